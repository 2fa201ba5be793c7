-- Strengths as ALS sees them: log1p(strength / :epsilon) when :log_strength (oryx.als.logStrength, Hu et al.
-- eq. 6), unchanged otherwise. A strength at or below -:epsilon has no logarithm and is dropped.
-- Mirrors oryx_core.apps.als.aggregation.log_strength.
SELECT
  user,
  item,
  CASE WHEN :log_strength THEN log1p(strength / :epsilon) ELSE strength END AS strength
FROM {strengths}
WHERE NOT :log_strength OR strength / :epsilon > -1.0D
