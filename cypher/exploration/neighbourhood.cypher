// name: neighbourhood
// title: Neighbourhood of an account or identifier (paged, evidence first)
// description: The nodes one hop from an account (its payment instruments, devices, IPs, prompt
//   templates, e-mail domain, org) or from an identifier (the accounts that used it), with the
//   relationships, in a stable order so a supernode expands page by page with skip and limit.
//   An account's identifiers come evidence first: the kinds it has fewest of first (2 cards and
//   2 devices before 118 IPs), within a kind the ones most accounts share first, its e-mail
//   domain and org last; link restricts them to one relationship type (one kind at a time).
//   total is the node's neighbour count (of that type, with link) for "show 50 more". Page an
//   account with skip; an identifier with skip, or (faster on a busy one, and what the app
//   does) with after: the key of the last neighbour of the previous page. The node n itself is
//   on the first row only (null on the others).
// category: exploration
// mode: read
// version: 5
// param: kind       -- node label: Account, PaymentInstrument, Device, IP, PromptTemplate, EmailDomain or Org
// param: key        -- the node's key: account_id, instrument_id, device_id, address, fingerprint, domain or org_id
// param: skip = 0   -- neighbours to skip (paging)
// param: limit = 50 -- neighbours returned at most
// param: after = ""  -- an identifier's neighbours whose key sorts after this one (the previous page's last key)
// param: link = ""   -- an account's identifiers over this relationship type only (PAID_WITH, USED_DEVICE, ...); '' all
//
// In Neo4j Browser or cypher-shell, set the parameters first:
// :param kind => 'Account'
// :param key => 'acc-0001'
// :param skip => 0
// :param limit => 50
// :param after => ''
// :param link => ''
CALL () {
  MATCH (n:Account {account_id: $key}) WHERE $kind = 'Account' RETURN n
  UNION
  MATCH (n:PaymentInstrument {instrument_id: $key}) WHERE $kind = 'PaymentInstrument' RETURN n
  UNION
  MATCH (n:Device {device_id: $key}) WHERE $kind = 'Device' RETURN n
  UNION
  MATCH (n:IP {address: $key}) WHERE $kind = 'IP' RETURN n
  UNION
  MATCH (n:PromptTemplate {fingerprint: $key}) WHERE $kind = 'PromptTemplate' RETURN n
  UNION
  MATCH (n:EmailDomain {domain: $key}) WHERE $kind = 'EmailDomain' RETURN n
  UNION
  MATCH (n:Org {org_id: $key}) WHERE $kind = 'Org' RETURN n
}
WITH n, CASE WHEN n:Account AND $link <> ''
  THEN COUNT { (n)-[r:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() WHERE type(r) = $link }
  ELSE COUNT { (n)-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() } END AS total
CALL () { MATCH (x:Account) RETURN count(x) AS accounts }
CALL (n, total, accounts) {
  // An identifier linked to a large share of all accounts (a webmail domain, a public template):
  // walk the account_id index in order and keep the accounts linked to it. A page then reads
  // about (skip + limit) * accounts / total index entries instead of sorting all its links;
  // one entry costs about 4 times one link read and sorted (measured on a 1M-account graph).
  // (The condition is a bound of the index seek, not a filter, so that the planner cannot scan
  // the index first and test it afterwards: a null bound seeks nothing.)
  WITH n, CASE WHEN NOT n:Account AND ($skip + $limit) * accounts * 4 < total * total THEN $after END AS walk_from
  MATCH (m:Account) WHERE m.account_id > walk_from
  WITH n, m ORDER BY m.account_id
  MATCH (m)-[r:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]->(n)
  RETURN r, m, 0 AS context, 0 AS of_type, 0 AS shared_by SKIP $skip LIMIT $limit
  UNION ALL
  // Any other identifier: read its links and sort them (its neighbours are all accounts).
  WITH n WHERE NOT n:Account AND ($skip + $limit) * accounts * 4 >= total * total
  MATCH (n)<-[r:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-(m:Account)
  WHERE m.account_id > $after
  WITH r, m ORDER BY m.account_id SKIP $skip LIMIT $limit
  RETURN r, m, 0 AS context, 0 AS of_type, 0 AS shared_by
  UNION ALL
  // An account: evidence first. Shared identifiers before its e-mail domain and org (context),
  // the kinds it has fewest of first (of_type), within a kind the most shared first (shared_by,
  // from the degree store), then by key.
  WITH n WHERE n:Account
  MATCH (n)-[r:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-(m)
  WHERE $link = '' OR type(r) = $link
  WITH type(r) AS link_type, collect({r: r, m: m}) AS links
  UNWIND links AS link
  WITH link.r AS r, link.m AS m, size(links) AS of_type,
       CASE WHEN link_type IN ['HAS_EMAIL_DOMAIN', 'IN_ORG'] THEN 1 ELSE 0 END AS context
  WITH r, m, of_type, context, COUNT { (m)<-[:PAID_WITH|USED_DEVICE|USED_IP|SENT_TEMPLATE|HAS_EMAIL_DOMAIN|IN_ORG]-() } AS shared_by
  ORDER BY context, of_type, type(r), shared_by DESC,
           coalesce(m.instrument_id, m.device_id, m.address, m.fingerprint, m.domain, m.org_id)
  SKIP $skip
  LIMIT $limit
  RETURN r, m, context, of_type, shared_by
}
WITH n, r, m, total
ORDER BY context, of_type, type(r), shared_by DESC,
         coalesce(m.account_id, m.instrument_id, m.device_id, m.address, m.fingerprint, m.domain, m.org_id)
// The node itself once, on the first row: every row repeating it made the driver decode its
// properties (an account's dates and daily series) once per neighbour, most of an expand's CPU.
WITH n, total, collect([r, m]) AS page
UNWIND range(0, size(page) - 1) AS i
RETURN CASE i WHEN 0 THEN n END AS n, page[i][0] AS r, page[i][1] AS m, total
ORDER BY i
