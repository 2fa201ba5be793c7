-- The distinct items of the test positives ({positives}) numbered 0, 1, ... in ID order, only those at the
-- positions {drawn}.n that the AUC's random negatives fell on.
WITH numbered AS (
  SELECT item, CAST(ROW_NUMBER() OVER (ORDER BY item) - 1 AS INT) AS n
  FROM (SELECT DISTINCT item FROM {positives})
)
SELECT numbered.n, numbered.item
FROM numbered
LEFT SEMI JOIN {drawn} AS d ON numbered.n = d.n
