-- Explicit-feedback evaluation: RMSE and MAE of the model's estimates (the vectors' dot product, clipped to
-- [:low, :high] when :clip) over test pairs whose user is in {x} and item in {y}, next to two baselines on the
-- same pairs: the global mean :mu, and :mu plus the user's and item's bias ({user_biases}, {item_biases}; a
-- missing bias counts as 0).
WITH scored AS (
  SELECT
    t.strength AS rating,
    aggregate(zip_with(x.features, y.features, (a, b) -> CAST(a AS DOUBLE) * b), 0.0D, (s, v) -> s + v) AS dot,
    :mu + COALESCE(ub.bias, 0.0D) + COALESCE(ib.bias, 0.0D) AS biased
  FROM {test} AS t
  JOIN {x} AS x ON t.user = x.id
  JOIN {y} AS y ON t.item = y.id
  LEFT JOIN {user_biases} AS ub ON t.user = ub.user
  LEFT JOIN {item_biases} AS ib ON t.item = ib.item
),
clipped AS (
  SELECT
    rating,
    IF(:clip, LEAST(GREATEST(dot, :low), :high), dot) AS estimate,
    IF(:clip, LEAST(GREATEST(biased, :low), :high), biased) AS biased,
    IF(:clip, LEAST(GREATEST(:mu, :low), :high), :mu) AS mean
  FROM scored
)
SELECT
  SQRT(AVG(POW(estimate - rating, 2))) AS rmse,
  AVG(ABS(estimate - rating)) AS mae,
  SQRT(AVG(POW(mean - rating, 2))) AS mean_rmse,
  AVG(ABS(mean - rating)) AS mean_mae,
  SQRT(AVG(POW(biased - rating, 2))) AS biases_rmse,
  AVG(ABS(biased - rating)) AS biases_mae,
  COUNT(*) AS pairs
FROM clipped
