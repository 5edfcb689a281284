// name: list_marks
// title: Marked accounts and identifiers, newest first
// description: Every mark in force (cleared ones left out), optionally only one verdict or
//   one kind: what was marked, the verdict, why, who and when, and how many accounts it
//   reaches (an identifier's accounts; accounts with the address for an e-mail).
// category: tagging
// mode: read
// version: 1
// param: verdict = null   -- known_bad or known_good; null for both
// param: kind = null      -- account, instrument, device, ip, template, email_domain or email; null for all
// param: limit = 1000     -- marks returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param verdict => null
// :param kind => null
// :param limit => 1000
MATCH (m:Mark)
WHERE m.verdict IS NOT NULL
  AND ($verdict IS NULL OR m.verdict = $verdict)
  AND ($kind IS NULL OR m.kind = $kind)
RETURN m.mark_id AS mark_id, m.kind AS kind, m.key AS key, m.verdict AS verdict, m.reason AS reason,
       m.at AS at, m.by AS by,
       CASE m.kind
         WHEN 'account' THEN 1
         WHEN 'email' THEN COUNT { MATCH (a:Account) WHERE a.email_mailbox = m.key }
         ELSE COUNT { (m)-[:MARKS]->()<-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN]-(:Account) }
       END AS accounts
ORDER BY m.at DESC, m.mark_id
LIMIT $limit
