-- Explicit-feedback evaluation: root mean squared error of the dot-product estimates of the test strengths,
-- over test pairs whose user is in {x} and item in {y}.
SELECT
  SQRT(AVG(POW(
    aggregate(zip_with(x.features, y.features, (a, b) -> CAST(a AS DOUBLE) * b), 0.0D, (s, v) -> s + v)
      - t.strength,
    2
  ))) AS rmse,
  COUNT(*) AS pairs
FROM {test} AS t
JOIN {x} AS x ON t.user = x.id
JOIN {y} AS y ON t.item = y.id
