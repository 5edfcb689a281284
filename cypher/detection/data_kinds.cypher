// name: data_kinds
// title: What kinds of data this graph holds
// description: Counts of each kind of data detection can use: accounts with a sign-up
//   time and with an e-mail address, payment links, device links, IP links, addresses
//   with an ip_intel kind, accounts with exchanges, template links and declared orgs. `ringscope detect`
//   runs only the signals whose data is present and says which judgements could not be
//   made (no exchanges: no behaviour, no templates; no payments: no shared cards), so a
//   world of sign-ups and payments alone never ends in a silent "0 rings".
// category: detection
// mode: read
// version: 1
//
// No parameters.
CALL () {
  MATCH (a:Account)
  RETURN count(a) AS accounts, count(a.created_at) AS signups,
         count(CASE WHEN a.email CONTAINS '@' THEN 1 END) AS emails,
         count(CASE WHEN coalesce(a.exchanges, 0) > 0 THEN 1 END) AS exchanges
}
CALL () { MATCH ()-[r:PAID_WITH]->() RETURN count(r) AS payments }
CALL () { MATCH ()-[r:USED_DEVICE]->() RETURN count(r) AS devices }
CALL () { MATCH ()-[r:USED_IP]->() RETURN count(r) AS ips }
CALL () { MATCH (ip:IP) WHERE ip.kind IS NOT NULL RETURN count(ip) AS ip_intel }
CALL () { MATCH ()-[r:SENT_TEMPLATE]->() RETURN count(r) AS templates }
CALL () { MATCH ()-[r:IN_ORG]->() RETURN count(r) AS orgs }
RETURN accounts, signups, emails, payments, devices, ips, ip_intel, exchanges, templates, orgs
