-- The test users an implicit evaluation scores, with everything the driver needs to score them: every user with a
-- test positive, or a fixed-size sample (smallest hash of the user ID with :seed first, so a re-run scores the same
-- users), each with its vector, its held-out positives, the items it was trained on (left out of its top-N list)
-- and its AUC negatives; test_rows counts every positive, sampled or not.
-- {positives}: test (user, item) pairs with a positive strength whose user and item have vectors ({x}: users).
-- Negatives, as Oryx 2's mean per-user AUC: for a user with n positives, up to n items drawn at random (with
-- replacement, :seed) from the items of all positives, skipping the user's own positives, from 2n + 10 draws
-- (Oryx 2 drew until it had n, at most #items times, too few when items are few).
WITH chosen AS (
  SELECT user, collect_list(item) AS positives, COUNT(*) AS wanted
  FROM {positives}
  GROUP BY user
  ORDER BY xxhash64(user, :seed), user
  LIMIT :max_users
),
test_items AS (
  SELECT item, CAST(ROW_NUMBER() OVER (ORDER BY item) - 1 AS INT) AS n
  FROM (SELECT DISTINCT item FROM {positives})
),
item_count AS (
  SELECT COUNT(*) AS items FROM test_items
),
draws AS (
  SELECT user, wanted, draw, CAST(FLOOR(rand(:seed) * items) AS INT) AS n
  FROM (
    SELECT c.user, c.wanted, i.items, explode(sequence(1, 2 * c.wanted + 10)) AS draw
    FROM chosen AS c CROSS JOIN item_count AS i
  )
),
drawn AS (
  SELECT d.user, d.wanted, d.draw, t.item
  FROM draws AS d
  JOIN test_items AS t ON d.n = t.n
  LEFT ANTI JOIN {positives} AS p ON d.user = p.user AND t.item = p.item
),
negatives AS (
  SELECT user, collect_list(item) AS negatives
  FROM (SELECT user, item, wanted, ROW_NUMBER() OVER (PARTITION BY user ORDER BY draw) AS k FROM drawn)
  WHERE k <= wanted
  GROUP BY user
),
known AS (
  SELECT t.user, collect_list(t.item) AS known
  FROM {train} AS t
  LEFT SEMI JOIN chosen AS c ON t.user = c.user
  GROUP BY t.user
)
SELECT c.user, x.features, c.positives, k.known, g.negatives, (SELECT COUNT(*) FROM {positives}) AS test_rows
FROM chosen AS c
JOIN {x} AS x ON c.user = x.id
LEFT JOIN known AS k ON c.user = k.user
LEFT JOIN negatives AS g ON c.user = g.user
ORDER BY c.user
