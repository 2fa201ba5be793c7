-- The positives of the implicit evaluation: test pairs with a positive strength whose user and item the model
-- has vectors for (a user or item first seen in the test period cannot be scored).
SELECT t.user, t.item
FROM {test} AS t
LEFT SEMI JOIN {x} AS x ON t.user = x.id
LEFT SEMI JOIN {y} AS y ON t.item = y.id
WHERE t.strength > 0.0D
