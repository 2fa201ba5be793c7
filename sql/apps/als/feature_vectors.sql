-- The (id, features) rows of X/ or Y/ lines [id, [f1, ..., fk]] as written by feature_lines.sql.
SELECT
  get_json_object(value, '$[0]') AS id,
  from_json(get_json_object(value, '$[1]'), 'array<float>') AS features
FROM {lines}
