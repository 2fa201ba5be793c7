-- Precision@N and NDCG@N (binary relevance) of top-N lists: {candidates} holds each ranked user's best-scored
-- items, a few more than N per user so that the user's training items ({train}) can be dropped first; ties by
-- item ID. A hit is a test positive ({positives}); IDCG counts min(N, the user's positives) perfect places.
WITH unseen AS (
  SELECT c.user, c.item, c.score
  FROM {candidates} AS c
  LEFT ANTI JOIN {train} AS t ON c.user = t.user AND c.item = t.item
),
ranked AS (
  SELECT user, item, ROW_NUMBER() OVER (PARTITION BY user ORDER BY score DESC, item) AS place
  FROM unseen
),
hits AS (
  SELECT r.user, COUNT(p.item) AS hits, COALESCE(SUM(IF(p.item IS NULL, 0.0D, 1.0D / LOG2(r.place + 1))), 0.0D) AS dcg
  FROM ranked AS r
  LEFT JOIN {positives} AS p ON r.user = p.user AND r.item = p.item
  WHERE r.place <= :n
  GROUP BY r.user
),
per_user AS (
  SELECT
    u.user,
    COALESCE(h.hits, 0) AS hits,
    COALESCE(h.dcg, 0.0D) AS dcg,
    aggregate(sequence(1, LEAST(:n, u.positives)), 0.0D, (acc, place) -> acc + 1.0D / LOG2(place + 1)) AS idcg
  FROM {users} AS u
  LEFT JOIN hits AS h ON u.user = h.user
)
SELECT AVG(hits / CAST(:n AS DOUBLE)) AS precision, AVG(dcg / idcg) AS ndcg, COUNT(*) AS users
FROM per_user
