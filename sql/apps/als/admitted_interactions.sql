-- The interactions of IDs that may hold a vector (oryx.als.bounds.*; oryx_core.apps.als.bounds.IDBounds.keeps):
-- a pair stays when its user and its item each have at least :min_interactions lines and a line at or after
-- :oldest_ms (:oldest_ms is the smallest BIGINT when nothing expires). Deletes count as lines: they are activity.
WITH counted AS (
  SELECT
    user,
    item,
    strength,
    ts,
    seq,
    COUNT(*) OVER (PARTITION BY user) AS user_lines,
    MAX(ts) OVER (PARTITION BY user) AS user_last_ms,
    COUNT(*) OVER (PARTITION BY item) AS item_lines,
    MAX(ts) OVER (PARTITION BY item) AS item_last_ms
  FROM {interactions}
)
SELECT user, item, strength, ts, seq
FROM counted
WHERE user_lines >= :min_interactions
  AND item_lines >= :min_interactions
  AND user_last_ms >= :oldest_ms
  AND item_last_ms >= :oldest_ms
