-- Every user vector of X/ with the user's known items (null when none), for the UP messages after a MODEL.
SELECT x.id, x.features, known.known_items
FROM {vectors} AS x
LEFT JOIN {known} AS known ON x.id = known.user
