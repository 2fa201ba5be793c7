-- One step of fitting regularised biases: each item's bias given the users' current ones,
-- b_i = sum(r - mu - b_u) / (n_i + :lambda). A user not in {users} counts with bias 0 (the first step).
SELECT r.item, SUM(r.strength - :mu - COALESCE(u.bias, 0.0D)) / (COUNT(*) + :lambda) AS bias
FROM {ratings} AS r
LEFT JOIN {users} AS u ON r.user = u.user
GROUP BY r.item
