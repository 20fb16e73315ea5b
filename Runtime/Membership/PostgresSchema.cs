namespace U2PL.Runtime.Membership;

/// <summary>
/// The PostgreSQL schema of the cluster store. Silos run it on first start (idempotent, serialized by an advisory
/// lock); operators who prefer to create it by hand use the same script (README, "Cluster runtime").
/// </summary>
public static class PostgresSchema
{
    /// <summary>The DDL, safe to run concurrently and repeatedly.</summary>
    public const string Script =
        """
        SELECT pg_advisory_xact_lock(727274);
        CREATE TABLE IF NOT EXISTS u2pl_membership_version (
            cluster_id text PRIMARY KEY,
            version    bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS u2pl_membership (
            cluster_id       text NOT NULL,
            silo             text NOT NULL,
            host             text NOT NULL,
            port             integer NOT NULL,
            generation       bigint NOT NULL,
            gateway_port     integer NOT NULL,
            roles            text NOT NULL,
            gpu_slots        integer NOT NULL,
            status           integer NOT NULL,
            i_am_alive       timestamptz NOT NULL,
            start_time       timestamptz NOT NULL,
            declared_dead_by text NOT NULL DEFAULT '',
            PRIMARY KEY (cluster_id, silo));
        CREATE TABLE IF NOT EXISTS u2pl_grain_directory (
            cluster_id text NOT NULL,
            grain_id   text NOT NULL,
            silo       text NULL,
            epoch      bigint NOT NULL,
            PRIMARY KEY (cluster_id, grain_id));
        CREATE TABLE IF NOT EXISTS u2pl_grain_state (
            cluster_id text NOT NULL,
            grain_id   text NOT NULL,
            epoch      bigint NOT NULL,
            data       bytea NOT NULL,
            PRIMARY KEY (cluster_id, grain_id));
        """;
}
