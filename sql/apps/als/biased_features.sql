-- A biased model's vectors (oryx_core.apps.als.layout): the factors of each ID (int index, as ALS numbers them)
-- followed by two coordinates, (:mu + b_u, 1) for a user and (1, b_i) for an item, so x . y is the estimate.
-- {biases}: (id, bias) by string ID; {ids}: (id, idx); :is_user picks the user or the item form.
SELECT
  f.id,
  concat(
    f.features,
    IF(:is_user, array(CAST(:mu + b.bias AS FLOAT), CAST(1.0 AS FLOAT)), array(CAST(1.0 AS FLOAT), CAST(b.bias AS FLOAT)))
  ) AS features
FROM {factors} AS f
JOIN {ids} AS ids ON f.id = ids.idx
JOIN {biases} AS b ON ids.id = b.id
