-- The global mean and the observed range of explicit ratings (one row): the biases' origin, and the range an
-- explicit estimate is clipped to.
SELECT AVG(strength) AS mean, MIN(strength) AS low, MAX(strength) AS high, COUNT(*) AS ratings
FROM {ratings}
