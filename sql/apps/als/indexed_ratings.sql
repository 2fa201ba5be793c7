-- The ratings ALS trains on: each (user, item, strength) with the user's and the item's int index.
SELECT users.idx AS user_idx, items.idx AS item_idx, CAST(s.strength AS FLOAT) AS rating
FROM {strengths} AS s
JOIN {users} AS users ON s.user = users.id
JOIN {items} AS items ON s.item = items.id
