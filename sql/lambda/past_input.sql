-- Past input: the stored windows of generations before the current one, as (key, value) lines.
-- {windows} holds the retained generation folders read with the data folder as base path, so the
-- folder name generation=<ms> becomes the generation column.
SELECT key, value
FROM {windows}
WHERE CAST(generation AS BIGINT) < :generation
