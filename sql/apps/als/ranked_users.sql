-- The test users whose top-N lists are scored: every user with a test positive, or a fixed-size sample of them
-- (smallest hash of the user ID with :seed first), so a re-run scores the same users.
SELECT user, COUNT(*) AS positives
FROM {positives}
GROUP BY user
ORDER BY xxhash64(user, :seed), user
LIMIT :max_users
