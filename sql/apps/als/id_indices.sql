-- Each distinct ID of {ids}.id numbered 0, 1, 2, ... in lexicographic order, as Oryx 2 numbered them: Spark's
-- ALS needs int IDs. The numbering is one window over all distinct IDs (Spark runs it in one partition); it
-- holds one short row per ID, and the IDs stay in Spark, joined back, never in a driver dictionary.
SELECT id, CAST(ROW_NUMBER() OVER (ORDER BY id) - 1 AS INT) AS idx
FROM (SELECT DISTINCT id FROM {ids})
