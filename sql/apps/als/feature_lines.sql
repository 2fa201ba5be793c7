-- The lines of X/ or Y/: one JSON array [id, [f1, ..., fk]] per factor vector, with its string ID restored.
-- to_json(array(id)) quotes and escapes the ID as JSON; its closing bracket is replaced by the vector.
WITH quoted AS (
  SELECT to_json(array(ids.id)) AS id_json, factors.features
  FROM {factors} AS factors
  JOIN {ids} AS ids ON factors.id = ids.idx
)
SELECT concat(left(id_json, length(id_json) - 1), ',', to_json(features), ']') AS value
FROM quoted
