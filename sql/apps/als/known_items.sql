-- Each user's known items, rebuilt from all input as Oryx 2 did: a (user, item) pair is known when its latest
-- record (ts, then input order seq) is not a delete. Raw records count, before any decay or aggregation.
WITH latest AS (
  SELECT user, item, max_by(isnan(strength), struct(ts, seq)) AS deleted
  FROM {interactions}
  GROUP BY user, item
)
SELECT user, array_sort(collect_list(item)) AS known_items
FROM latest
WHERE NOT deleted
GROUP BY user
