// name: alert_recidivism
// title: Alert rule: new accounts on a confirmed or enforced ring's identifiers
// description: For every ring investigators confirmed or escalated, or exported for
//   enforcement: accounts no alert about the ring mentions yet (and that investigators did
//   not put into or take out of its case) that share the ring's own identifiers with its
//   reported accounts: a payment instrument, a device, or at least $min_templates prompt
//   templates (each sent by two or more of them) that are at least $min_own_share of the
//   account's own templates (a power user or a service account sending hundreds of templates
//   shares a few of a ring's by chance; a returning operator's account sends mostly the set). An identifier is the ring's own when at
//   least $min_ring_share of the accounts using it are the ring's reported accounts: a
//   popular template or a shared office device that the ring also uses says nothing.
//   Identifiers on more than max($cap_floor, $cap_share x all accounts) accounts are
//   supernodes and ignored (detection's cap). This is how an operator coming back with
//   fresh accounts shows: new sign-ups on old cards, old VM images, the same prompt set,
//   while they are still few. Investigators' marks count: an identifier marked known-bad
//   (an instrument, device, IP or template; `ringscope mark`) that a reported account uses
//   is the ring's own whatever its share (IPs count only then), one marked known-good is
//   never evidence, and an account marked known-good is never reported. One row per ring
//   with every such account and what it shares. Read-only.
// category: alert
// mode: read
// version: 3
// param: statuses = ["confirmed", "escalated"]  -- ring statuses whose identifiers are watched (exported rings always are)
// param: min_templates = 3      -- shared prompt templates that count as the ring's template set
// param: min_ring_share = 0.5   -- share of an identifier's accounts that must be the ring's for it to be the ring's own
// param: min_own_share = 0.5    -- share of the account's own prompt templates that must be the ring's set (a heavy user shares a few by chance)
// param: cap_floor = 200        -- identifiers on more accounts than this (or cap_share of all) are ignored
// param: cap_share = 0.002      -- share of all accounts above which an identifier is a supernode
// param: limit = 10000          -- alerts returned at most
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param statuses => ['confirmed', 'escalated']
// :param min_templates => 3
// :param min_ring_share => 0.5
// :param min_own_share => 0.5
// :param cap_floor => 200
// :param cap_share => 0.002
// :param limit => 10000
CALL () { MATCH (a:Account) RETURN count(a) AS total }
WITH CASE WHEN toInteger($cap_share * total) > $cap_floor THEN toInteger($cap_share * total) ELSE $cap_floor END AS cap
MATCH (r:Ring)
WHERE r.status IN $statuses OR EXISTS { (r)<-[:INCLUDES]-(:Export) }
// accounts already accounted for: reported by an alert about this ring, or decided by an investigator
WITH r, cap,
     COLLECT { MATCH (r)<-[:CONCERNS]-(:Alert)-[:CONCERNS]->(a:Account) RETURN DISTINCT a }
     + COLLECT { MATCH (r)-[h:HAS_MEMBER]->(a:Account)
                 WHERE coalesce(h.removed, false) OR coalesce(h.added_by, 'detect') <> 'detect' RETURN a }
     + COLLECT { MATCH (a:Account)<-[:MARKS]-(:Mark {verdict: 'known_good'}) RETURN a } AS known
// the ring as reported: its identifiers are what a returning operator reuses
WITH r, cap, known,
     [a IN COLLECT { MATCH (r)-[h:HAS_MEMBER]->(a:Account) WHERE NOT coalesce(h.removed, false) RETURN a } WHERE a IN known] AS sources
CALL (r, cap, known, sources) {
  UNWIND sources AS s
  MATCH (s)-[:PAID_WITH]->(p:PaymentInstrument)
  WITH p, cap, known, count(DISTINCT s) AS ring_users, EXISTS { (p)<-[:MARKS]-(:Mark {verdict: 'known_bad'}) } AS bad
  WHERE coalesce(p.accounts, 0) <= cap AND NOT EXISTS { (p)<-[:MARKS]-(:Mark {verdict: 'known_good'}) }
    AND (bad OR ring_users >= $min_ring_share * COUNT { (p)<-[:PAID_WITH]-() })
  MATCH (p)<-[:PAID_WITH]-(c:Account) WHERE NOT c IN known
  RETURN DISTINCT c, CASE WHEN bad THEN 'known-bad ' ELSE '' END + 'instrument ' + p.instrument_id AS shared
  UNION
  UNWIND sources AS s
  MATCH (s)-[:USED_DEVICE]->(d:Device)
  WITH d, cap, known, count(DISTINCT s) AS ring_users, EXISTS { (d)<-[:MARKS]-(:Mark {verdict: 'known_bad'}) } AS bad
  WHERE coalesce(d.accounts, 0) <= cap AND NOT EXISTS { (d)<-[:MARKS]-(:Mark {verdict: 'known_good'}) }
    AND (bad OR ring_users >= $min_ring_share * COUNT { (d)<-[:USED_DEVICE]-() })
  MATCH (d)<-[:USED_DEVICE]-(c:Account) WHERE NOT c IN known
  RETURN DISTINCT c, CASE WHEN bad THEN 'known-bad ' ELSE '' END + 'device ' + d.device_id AS shared
  UNION
  // an IP is evidence here only when an investigator marked it known-bad (proxies rotate);
  // from the marks (few), not from the ring's accounts' many IPs
  MATCH (:Mark {verdict: 'known_bad'})-[:MARKS]->(i:IP)
  WHERE coalesce(i.accounts, 0) <= cap AND EXISTS { MATCH (i)<-[:USED_IP]-(s:Account) WHERE s IN sources }
  MATCH (i)<-[:USED_IP]-(c:Account) WHERE NOT c IN known
  RETURN DISTINCT c, 'known-bad IP ' + i.address AS shared
  UNION
  // one known-bad template is enough (the unmarked ones count as a set, below)
  MATCH (:Mark {verdict: 'known_bad'})-[:MARKS]->(t:PromptTemplate)
  WHERE coalesce(t.accounts, 0) <= cap AND EXISTS { MATCH (t)<-[:SENT_TEMPLATE]-(s:Account) WHERE s IN sources }
  MATCH (t)<-[:SENT_TEMPLATE]-(c:Account) WHERE NOT c IN known
  RETURN DISTINCT c, 'known-bad template ' + t.fingerprint AS shared
  UNION
  UNWIND sources AS s
  MATCH (s)-[:SENT_TEMPLATE]->(t:PromptTemplate)
  WITH t, cap, known, count(DISTINCT s) AS senders
  WHERE coalesce(t.accounts, 0) <= cap AND senders >= 2
    AND senders >= $min_ring_share * COUNT { (t)<-[:SENT_TEMPLATE]-() }
    AND NOT EXISTS { (t)<-[:MARKS]-(m:Mark) WHERE m.verdict IS NOT NULL }
  MATCH (t)<-[:SENT_TEMPLATE]-(c:Account) WHERE NOT c IN known
  WITH c, count(DISTINCT t) AS templates WHERE templates >= $min_templates
    AND templates >= $min_own_share * COUNT { (c)-[:SENT_TEMPLATE]->() }
  RETURN c, toString(templates) + ' of its prompt templates' AS shared
}
WITH r, c, collect(shared) AS shared ORDER BY c.account_id
WITH r, collect(c.account_id) AS accounts, collect(c.account_id + ' (' + reduce(s = '', x IN shared | s + CASE WHEN s = '' THEN '' ELSE ', ' END + x) + ')') AS why
RETURN 'recidivism' AS kind,
       r.ring_id AS ring_id,
       accounts AS account_ids,
       'high' AS severity,
       size(accounts) + ' account(s) outside ' + coalesce(r.status, 'new')
         + CASE WHEN EXISTS { (r)<-[:INCLUDES]-(:Export) } THEN ' and exported' ELSE '' END
         + ' ring ' + r.ring_id + ' share its identifiers: '
         + reduce(s = '', x IN why[..5] | s + CASE WHEN s = '' THEN '' ELSE '; ' END + x)
         + CASE WHEN size(why) > 5 THEN '; +' + (size(why) - 5) + ' more' ELSE '' END AS reason
ORDER BY size(accounts) DESC, ring_id
LIMIT $limit
