// name: email_pattern_clusters
// title: E-mail addresses built from one pattern
// description: Accounts whose addresses carry a plus-tag (`name+7@`) or a trailing
//   counter (`anna.dev017@`) and share the same mailbox stem at the same domain once
//   tag and counter are stripped. One mailbox with many plus-tags, or one stem counted
//   up, is a script's work; ordinary `name.surname@` addresses never cluster here.
//   Stems shorter than $min_stem_length are ignored, and clusters above $max_accounts
//   (a common name with a birth year at a big provider) are left out.
// category: detection
// mode: read
// rows: values
// version: 2
// param: min_accounts = 2       -- patterned addresses a cluster must hold at least
// param: min_stem_length = 4    -- shorter stems are too common to mean anything
// param: max_accounts = 500     -- larger clusters are left out
// param: limit = 1000000        -- clusters returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param min_accounts => 2
// :param min_stem_length => 4
// :param max_accounts => 500
// :param limit => 1000000
MATCH (a:Account)
WHERE a.email CONTAINS '@'
WITH a, toLower(trim(a.email)) AS email
WITH a, split(email, '@')[0] AS local, split(email, '@')[-1] AS domain
WITH a, domain, local, split(local, '+')[0] AS mailbox
WITH a, domain, local, mailbox, apoc.text.regreplace(mailbox, '[0-9]+$', '') AS stem
WHERE size(stem) >= $min_stem_length AND domain <> '' AND (local <> mailbox OR mailbox <> stem)
WITH domain, stem, collect(a.account_id) AS accounts,
     sum(CASE WHEN local <> mailbox THEN 1 ELSE 0 END) AS plus_tagged,
     sum(CASE WHEN mailbox <> stem THEN 1 ELSE 0 END) AS counted
WITH domain, stem, accounts, plus_tagged, counted, size(accounts) AS n
WHERE n >= $min_accounts AND n <= $max_accounts
RETURN stem + '*@' + domain AS identifier, stem, domain, n AS account_count,
       plus_tagged, counted, accounts
ORDER BY account_count DESC, identifier
LIMIT $limit
