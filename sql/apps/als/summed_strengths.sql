-- Implicit feedback: one strength per (user, item), the sum of its strengths since its last delete.
-- In time order (ts, then input order seq) a delete (NaN) voids the running sum and the next strength restarts
-- it, so only records after the pair's last delete count; a pair whose latest record is a delete is absent.
-- Mirrors oryx_core.apps.als.aggregation.aggregate(implicit=True).
WITH marked AS (
  SELECT
    user,
    item,
    strength,
    COUNT_IF(isnan(strength)) OVER (
      PARTITION BY user, item ORDER BY ts DESC, seq DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS deletes_since
  FROM {interactions}
)
SELECT user, item, SUM(strength) AS strength
FROM marked
WHERE deletes_since = 0
GROUP BY user, item
