-- Oryx 2's implicit-feedback evaluation: the mean over test users of each user's AUC.
-- {positives}: the test (user, item) pairs with a positive strength, restricted to users of {x} and items of {y}.
-- Negatives: for a user with n positives, up to n items drawn at random (with replacement, :seed) from the items
-- of all positives, skipping the user's own positives, from 2n + 10 draws (Oryx 2 drew until it had n, at most
-- #items times, too few when items are few). AUC = the fraction of (positive, negative) pairs whose positive scores
-- strictly higher (score = dot product of the vectors); users with no negative are left out, as Oryx 2's join did.
-- Counting negatives strictly below each positive by a window over the scores keeps it O(n log n) per user.
WITH test_items AS (
  SELECT item, CAST(ROW_NUMBER() OVER (ORDER BY item) - 1 AS INT) AS n
  FROM (SELECT DISTINCT item FROM {positives})
),
item_count AS (
  SELECT COUNT(*) AS items FROM test_items
),
wanted AS (
  SELECT user, COUNT(*) AS positives FROM {positives} GROUP BY user
),
draws AS (
  SELECT user, positives, draw, CAST(FLOOR(rand(:seed) * items) AS INT) AS n
  FROM (
    SELECT w.user, w.positives, c.items, explode(sequence(1, 2 * w.positives + 10)) AS draw
    FROM wanted AS w CROSS JOIN item_count AS c
  )
),
drawn AS (
  SELECT d.user, d.positives, d.draw, t.item
  FROM draws AS d
  JOIN test_items AS t ON d.n = t.n
  LEFT ANTI JOIN {positives} AS p ON d.user = p.user AND t.item = p.item
),
negatives AS (
  SELECT user, item
  FROM (SELECT user, item, positives, ROW_NUMBER() OVER (PARTITION BY user ORDER BY draw) AS k FROM drawn)
  WHERE k <= positives
),
labelled AS (
  SELECT user, item, TRUE AS positive FROM {positives}
  UNION ALL
  SELECT user, item, FALSE AS positive FROM negatives
),
scored AS (
  SELECT
    l.user,
    l.positive,
    aggregate(zip_with(x.features, y.features, (a, b) -> CAST(a AS DOUBLE) * b), 0.0D, (s, v) -> s + v) AS score
  FROM labelled AS l
  JOIN {x} AS x ON l.user = x.id
  JOIN {y} AS y ON l.item = y.id
),
counted AS (
  SELECT
    user,
    positive,
    COUNT_IF(NOT positive) OVER (PARTITION BY user ORDER BY score RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
      - COUNT_IF(NOT positive) OVER (PARTITION BY user, score) AS negatives_below
  FROM scored
),
per_user AS (
  SELECT
    user,
    SUM(IF(positive, negatives_below, 0)) AS correct,
    COUNT_IF(positive) AS positives,
    COUNT_IF(NOT positive) AS negatives
  FROM counted
  GROUP BY user
)
SELECT AVG(CAST(correct AS DOUBLE) / (positives * negatives)) AS auc, COUNT(*) AS users
FROM per_user
WHERE negatives > 0
