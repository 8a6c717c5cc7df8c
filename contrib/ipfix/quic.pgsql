-- contrib/ipfix/quic.pgsql - the table of nfacctd-backends.conf's pgsql[db]:
-- one column per primitive of aggregate[db] (sql_optimize_clauses), and
-- nfacctd's own packets, bytes and stamps. psql -d pmacct -f quic.pgsql
CREATE TABLE quic (
	obs_domain BIGINT NOT NULL DEFAULT 0,
	quic_conn CHAR(16) NOT NULL DEFAULT '',
	quic_path INT NOT NULL DEFAULT 0,
	ip_src INET NOT NULL DEFAULT '0.0.0.0',
	ip_dst INET NOT NULL DEFAULT '0.0.0.0',
	port_src INT NOT NULL DEFAULT 0,
	port_dst INT NOT NULL DEFAULT 0,
	timestamp_start TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT '1970-01-01',
	timestamp_start_residual INT NOT NULL DEFAULT 0,
	timestamp_end TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT '1970-01-01',
	timestamp_end_residual INT NOT NULL DEFAULT 0,
	quic_sni TEXT NOT NULL DEFAULT '',
	quic_alpn TEXT NOT NULL DEFAULT '',
	tot_bytes BIGINT NOT NULL DEFAULT 0,
	rev_tot_bytes BIGINT NOT NULL DEFAULT 0,
	packets BIGINT NOT NULL,
	bytes BIGINT NOT NULL,
	stamp_inserted TIMESTAMP WITHOUT TIME ZONE NOT NULL,
	stamp_updated TIMESTAMP WITHOUT TIME ZONE
);
