// name: alert_schema
// title: Keys for alerts and action watches
// description: Uniqueness of Alert.alert_id (MERGE on it must find one node, fast) and an
//   index on ActionWatch (ring_id, account_id). Idempotent; the alert functions apply it
//   before their first write, so an existing database needs no migration step.
// category: alert
// mode: write
// version: 1
//
CREATE CONSTRAINT alert_id IF NOT EXISTS FOR (n:Alert) REQUIRE n.alert_id IS UNIQUE;
CREATE INDEX alert_created_at IF NOT EXISTS FOR (n:Alert) ON (n.created_at);
CREATE INDEX action_watch_key IF NOT EXISTS FOR (n:ActionWatch) ON (n.ring_id, n.account_id)
