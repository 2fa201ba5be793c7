-- One step of fitting regularised biases: each user's bias given the items' current ones,
-- b_u = sum(r - mu - b_i) / (n_u + :lambda).
SELECT r.user, SUM(r.strength - :mu - i.bias) / (COUNT(*) + :lambda) AS bias
FROM {ratings} AS r
JOIN {items} AS i ON r.item = i.item
GROUP BY r.user
