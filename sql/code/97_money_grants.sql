-- Money: what must come after the shared triggers and grants of
-- 85_triggers.sql and 95_api.sql.

CREATE OR REPLACE TRIGGER append_only BEFORE UPDATE OR DELETE ON booking.payment_history
  FOR EACH ROW EXECUTE FUNCTION booking.tg_append_only();

-- Payout items: staff, and the resource's own user.
DROP POLICY IF EXISTS payout_item_read ON booking.payout_item;
CREATE POLICY payout_item_read ON booking.payout_item FOR SELECT
  USING (booking.acting_is_staff() OR resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()));
