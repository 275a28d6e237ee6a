-- Money: what must come after the shared triggers and grants of
-- 85_triggers.sql and 95_api.sql.

CREATE OR REPLACE TRIGGER append_only BEFORE UPDATE OR DELETE ON booking.payment_history
  FOR EACH ROW EXECUTE FUNCTION booking.tg_append_only();
