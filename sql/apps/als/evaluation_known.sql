-- The sampled users' vectors ({x}: id, features) and the items each was trained on ({train}: user, item pairs),
-- which its top-N list leaves out. {chosen}: the sampled user IDs (a few hundred or thousand rows).
SELECT c.user, x.features, k.known
FROM {chosen} AS c
JOIN {x} AS x ON c.user = x.id
LEFT JOIN (
  SELECT t.user, collect_list(t.item) AS known
  FROM {train} AS t
  LEFT SEMI JOIN {chosen} AS c ON t.user = c.user
  GROUP BY t.user
) AS k ON c.user = k.user
