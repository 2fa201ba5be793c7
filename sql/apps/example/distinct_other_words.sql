-- For each word, the number of distinct other words that share a line with it (Oryx 2's word-count example).
-- Each line's words are paired with each other (a self-join within the line, done as two explodes of the
-- same array, which needs no line id); a word alone on its lines still appears, with 0.
-- :word_separator is the regular expression for whitespace, matching Python's str.split().
WITH line_words AS (
  SELECT array_distinct(filter(split(value, :word_separator), w -> w <> '')) AS words
  FROM {lines}
)
SELECT word, COUNT(DISTINCT IF(other <> word, other, NULL)) AS others
FROM line_words
LATERAL VIEW explode(words) w AS word
LATERAL VIEW explode(words) o AS other
GROUP BY word
