-- The service area test, booking.service_area_refusal: a pickup and a
-- dropoff against an org's circle, its polygon, both or neither; NULL when
-- both lie inside (or are NULL), else the first outside, named with its
-- coordinates.
SET client_min_messages = warning;

INSERT INTO booking.org (id, name, time_zone, currency, service_area_center, service_area_radius_meters, service_area_polygon) VALUES
  ('00000000-0000-0000-0000-0000000019a0', 'Area none', 'Europe/Berlin', 'EUR', NULL, NULL, NULL),
  ('00000000-0000-0000-0000-0000000019b0', 'Area circle', 'Europe/Berlin', 'EUR', booking.lat_lng(52.52, 13.405), 10000, NULL),
  ('00000000-0000-0000-0000-0000000019c0', 'Area polygon', 'Europe/Berlin', 'EUR', NULL, NULL,
   'SRID=4326;POLYGON((13.3 52.4, 13.5 52.4, 13.5 52.6, 13.3 52.6, 13.3 52.4))'::geography),
  -- both: inside the circle (30 km) and the polygon (west half only)
  ('00000000-0000-0000-0000-0000000019d0', 'Area both', 'Europe/Berlin', 'EUR', booking.lat_lng(52.52, 13.405), 30000,
   'SRID=4326;POLYGON((13.0 52.3, 13.4 52.3, 13.4 52.7, 13.0 52.7, 13.0 52.3))'::geography);

SELECT o.name, p.what, booking.service_area_refusal(o.id, p.pickup, p.dropoff) AS refusal
  FROM booking.org o,
       (VALUES (1, 'both inside', booking.lat_lng(52.52, 13.39), booking.lat_lng(52.50, 13.35)),
               (2, 'pickup outside', booking.lat_lng(52.52, 13.8), booking.lat_lng(52.50, 13.35)),
               (3, 'dropoff outside', booking.lat_lng(52.52, 13.39), booking.lat_lng(52.52, 13.8)),
               (4, 'both outside', booking.lat_lng(48.14, 11.58), booking.lat_lng(52.52, 13.8)),
               (5, 'no dropoff', booking.lat_lng(52.52, 13.39), NULL),
               (6, 'no dropoff, pickup outside', booking.lat_lng(48.14, 11.58), NULL),
               (7, 'no pickup, dropoff outside', NULL, booking.lat_lng(48.14, 11.58)),
               (8, 'neither', NULL, NULL),
               (9, 'dropoff in the circle, east of 13.4', booking.lat_lng(52.52, 13.39), booking.lat_lng(52.52, 13.45))) AS p(i, what, pickup, dropoff)
 WHERE o.id IN ('00000000-0000-0000-0000-0000000019a0', '00000000-0000-0000-0000-0000000019b0',
                '00000000-0000-0000-0000-0000000019c0', '00000000-0000-0000-0000-0000000019d0')
 ORDER BY o.name, p.i;
-- an unknown org has no area
SELECT booking.service_area_refusal('00000000-0000-0000-0000-0000000019ff', booking.lat_lng(48.14, 11.58)) AS unknown_org;

DELETE FROM booking.org WHERE id IN ('00000000-0000-0000-0000-0000000019a0', '00000000-0000-0000-0000-0000000019b0',
                                     '00000000-0000-0000-0000-0000000019c0', '00000000-0000-0000-0000-0000000019d0');
