-- Interactions with old strengths decayed by age and tiny positive strengths dropped (oryx.als.decay.*).
-- A strength t days old becomes strength * :factor^t; records from the future, deletes (NaN) and :factor 1
-- are left alone. With :zero_threshold > 0, decayed strengths in (0, :zero_threshold] are dropped; deletes
-- and negative strengths always pass, fixing Oryx 2, whose filter also dropped them (spec section 8).
-- Mirrors oryx_core.apps.als.aggregation.apply_decay.
WITH decayed AS (
  SELECT
    user,
    item,
    CASE
      WHEN :factor >= 1.0D OR ts >= :now_ms OR isnan(strength) THEN strength
      ELSE strength * power(:factor, CAST(:now_ms - ts AS DOUBLE) / 86400000.0D)
    END AS strength,
    ts,
    seq
  FROM {interactions}
)
SELECT user, item, strength, ts, seq
FROM decayed
WHERE NOT (:zero_threshold > 0.0D AND NOT isnan(strength) AND strength > 0.0D AND strength <= :zero_threshold)
