-- The test users an implicit evaluation scores, with their held-out positives: every user with a test positive,
-- or a fixed-size sample (smallest hash of the user ID with :seed first, so a re-run scores the same users).
-- test_rows counts every positive, sampled or not; test_items the distinct items among them, which the AUC's
-- negatives are drawn from.
-- {positives}: test (user, item) pairs with a positive strength whose user and item have vectors.
SELECT sampled.user, sampled.positives, sampled.test_rows, counted.test_items
FROM (
  SELECT user, collect_list(item) AS positives, SUM(COUNT(*)) OVER () AS test_rows
  FROM {positives}
  GROUP BY user
) AS sampled
CROSS JOIN (SELECT COUNT(DISTINCT item) AS test_items FROM {positives}) AS counted
ORDER BY xxhash64(sampled.user, :seed), sampled.user
LIMIT :max_users
