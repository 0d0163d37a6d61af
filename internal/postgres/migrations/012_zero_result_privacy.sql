-- breaker5 F11: zero_result_queries kept searches verbatim, among them
-- patients' names, NHS numbers, e-mail addresses and phone numbers typed
-- into the search box. From now on a term is recorded without personal data
-- (search.Index.ZeroResultTerm); the terms recorded before cannot be told
-- apart reliably (their capitals and punctuation are gone), so they go.
DELETE FROM zero_result_queries;
CREATE INDEX zero_result_queries_last_seen ON zero_result_queries (last_seen);
