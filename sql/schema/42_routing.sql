-- Optional road network: an org's road graph, and the routing source of
-- travel times.  booking.route_travel_times() routes between points over the
-- org's graph with pgrouting and stores the times in the travel time cache
-- (source 'pgrouting'), where booking.travel_time() and travel_matrix() find
-- them like any other entry.  Nothing here references pgrouting when the
-- extension is created: the function finds it at run time, so booking
-- installs and works without it (route_travel_times then raises 0A000).

CREATE TABLE booking.road_node (
  org_id  pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id      pg_catalog.int8 NOT NULL CHECK (id OPERATOR(pg_catalog.>) 0),
  point   booking.point NOT NULL CHECK (booking.checked_point(point, 'road_node.point') IS NOT NULL),
  PRIMARY KEY (org_id, id)
);
COMMENT ON TABLE booking.road_node IS
  'vertices of an org''s road graph (optional): the points that booking.route_travel_times snaps to; loaded by owners and admins, read by staff';
COMMENT ON COLUMN booking.road_node.id IS
  'vertex id of the graph, positive, unique in the org (the source and target of booking.road_edge)';
COMMENT ON COLUMN booking.road_node.point IS
  'position of the vertex: a finite, non-empty WGS 84 point';
-- nearest vertex of one org: btree_gist for the org, KNN on the point
CREATE INDEX road_node_point_idx ON booking.road_node USING gist (org_id, point);

CREATE TABLE booking.road_edge (
  org_id                pg_catalog.uuid NOT NULL DEFAULT booking.current_org_id() REFERENCES booking.org (id) ON DELETE CASCADE,
  id                    pg_catalog.int8 NOT NULL CHECK (id OPERATOR(pg_catalog.>) 0),
  source                pg_catalog.int8 NOT NULL,
  target                pg_catalog.int8 NOT NULL,
  -- NaN is larger than every number, so the upper bounds exclude it
  cost_seconds          pg_catalog.float8 NOT NULL
                          CHECK (cost_seconds OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
                                 AND cost_seconds OPERATOR(pg_catalog.<=) 86400::pg_catalog.float8),
  reverse_cost_seconds  pg_catalog.float8
                          CHECK (reverse_cost_seconds OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
                                 AND reverse_cost_seconds OPERATOR(pg_catalog.<=) 86400::pg_catalog.float8),
  length_meters         pg_catalog.float8 NOT NULL
                          CHECK (length_meters OPERATOR(pg_catalog.>=) 0::pg_catalog.float8
                                 AND length_meters OPERATOR(pg_catalog.<=) 1000000::pg_catalog.float8),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, source) REFERENCES booking.road_node (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, target) REFERENCES booking.road_node (org_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE booking.road_edge IS
  'road segments of an org''s graph (optional), between two booking.road_node vertices; booking.route_travel_times routes over them with pgrouting';
COMMENT ON COLUMN booking.road_edge.id IS
  'edge id, positive, unique in the org';
COMMENT ON COLUMN booking.road_edge.source IS
  'vertex the edge leaves in its forward direction';
COMMENT ON COLUMN booking.road_edge.target IS
  'vertex the edge reaches in its forward direction';
COMMENT ON COLUMN booking.road_edge.cost_seconds IS
  'driving time from source to target in seconds, 0 to 86400';
COMMENT ON COLUMN booking.road_edge.reverse_cost_seconds IS
  'driving time from target to source in seconds, 0 to 86400; NULL for a one-way street (only source to target)';
COMMENT ON COLUMN booking.road_edge.length_meters IS
  'length of the segment in metres, 0 to 1,000,000 (summed along a route into distance_meters)';
CREATE INDEX road_edge_source_idx ON booking.road_edge (org_id, source);
CREATE INDEX road_edge_target_idx ON booking.road_edge (org_id, target);
