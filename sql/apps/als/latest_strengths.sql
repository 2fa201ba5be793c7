-- Explicit feedback: one strength per (user, item), its latest value (ts, then input order seq);
-- a pair whose latest record is a delete (NaN) is absent.
-- Mirrors oryx_core.apps.als.aggregation.aggregate(implicit=False).
WITH ranked AS (
  SELECT
    user,
    item,
    strength,
    ROW_NUMBER() OVER (PARTITION BY user, item ORDER BY ts DESC, seq DESC) AS recency
  FROM {interactions}
)
SELECT user, item, strength
FROM ranked
WHERE recency = 1 AND NOT isnan(strength)
