-- What the factors of a biased model learn: each rating less the global mean and its user's and item's bias.
SELECT r.user, r.item, r.strength - :mu - u.bias - i.bias AS strength
FROM {ratings} AS r
JOIN {users} AS u ON r.user = u.user
JOIN {items} AS i ON r.item = i.item
