using Npgsql;
using NpgsqlTypes;
using U2PL.Runtime.GrainDirectory;
using U2PL.Runtime.Storage;

namespace U2PL.Runtime.Membership;

/// <summary>
/// The cluster store of a real cluster, in PostgreSQL: membership table (with a version row every membership change
/// is conditional on), grain directory (with fencing epochs) and fenced grain state. Several clusters can share one
/// database: every row carries the cluster id. The schema is created on first use (<see cref="PostgresSchema"/>).
/// </summary>
public sealed class PostgresClusterStore : IMembershipTable, IGrainDirectory, IFencedGrainStorage, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _clusterId;

    /// <summary>Creates the store over a connection string (Npgsql keywords or a <c>postgres://</c> URI).</summary>
    public PostgresClusterStore(string connectionString, string clusterId)
    {
        _dataSource = NpgsqlDataSource.Create(PostgresConnectionString.Normalize(connectionString));
        _clusterId = clusterId;
    }

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand(PostgresSchema.Script, connection, tx))
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand(
            "INSERT INTO u2pl_membership_version(cluster_id, version) VALUES (@c, 0) ON CONFLICT DO NOTHING", connection, tx))
        {
            command.Parameters.AddWithValue("c", _clusterId);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<MembershipTableSnapshot> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        long version;
        await using (var command = new NpgsqlCommand("SELECT version FROM u2pl_membership_version WHERE cluster_id = @c", connection, tx))
        {
            command.Parameters.AddWithValue("c", _clusterId);
            version = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
        }
        var entries = new List<MembershipEntry>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT host, port, generation, gateway_port, roles, gpu_slots, status, i_am_alive, start_time, declared_dead_by
            FROM u2pl_membership WHERE cluster_id = @c
            """, connection, tx))
        {
            command.Parameters.AddWithValue("c", _clusterId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add(new MembershipEntry
                {
                    Silo = new SiloAddress(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2)),
                    GatewayPort = reader.GetInt32(3),
                    Roles = reader.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries),
                    GpuSlots = reader.GetInt32(5),
                    Status = (SiloStatus)reader.GetInt32(6),
                    IAmAliveTime = reader.GetFieldValue<DateTimeOffset>(7),
                    StartTime = reader.GetFieldValue<DateTimeOffset>(8),
                    DeclaredDeadBy = reader.GetString(9),
                });
            }
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new MembershipTableSnapshot(version, entries);
    }

    /// <inheritdoc />
    public async Task<bool> UpsertAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var bump = new NpgsqlCommand(
            "UPDATE u2pl_membership_version SET version = version + 1 WHERE cluster_id = @c AND version = @v", connection, tx))
        {
            bump.Parameters.AddWithValue("c", _clusterId);
            bump.Parameters.AddWithValue("v", expectedVersion);
            if (await bump.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1) return false;
        }
        await using (var upsert = new NpgsqlCommand(
            """
            INSERT INTO u2pl_membership AS m (cluster_id, silo, host, port, generation, gateway_port, roles, gpu_slots, status,
                                              i_am_alive, start_time, declared_dead_by)
            VALUES (@c, @s, @h, @p, @g, @gw, @r, @slots, @st, @alive, @start, @by)
            ON CONFLICT (cluster_id, silo) DO UPDATE SET gateway_port = EXCLUDED.gateway_port, roles = EXCLUDED.roles,
                gpu_slots = EXCLUDED.gpu_slots, status = EXCLUDED.status, i_am_alive = GREATEST(m.i_am_alive, EXCLUDED.i_am_alive),
                declared_dead_by = EXCLUDED.declared_dead_by
            WHERE m.status <> 4
            """, connection, tx))
        {
            upsert.Parameters.AddWithValue("c", _clusterId);
            upsert.Parameters.AddWithValue("s", entry.Silo.ToString());
            upsert.Parameters.AddWithValue("h", entry.Silo.Host);
            upsert.Parameters.AddWithValue("p", entry.Silo.Port);
            upsert.Parameters.AddWithValue("g", entry.Silo.Generation);
            upsert.Parameters.AddWithValue("gw", entry.GatewayPort);
            upsert.Parameters.AddWithValue("r", string.Join(',', entry.Roles));
            upsert.Parameters.AddWithValue("slots", entry.GpuSlots);
            upsert.Parameters.AddWithValue("st", (int)entry.Status);
            upsert.Parameters.AddWithValue("alive", NpgsqlDbType.TimestampTz, entry.IAmAliveTime.UtcDateTime);
            upsert.Parameters.AddWithValue("start", NpgsqlDbType.TimestampTz, entry.StartTime.UtcDateTime);
            upsert.Parameters.AddWithValue("by", entry.DeclaredDeadBy);
            if (await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1) return false;
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async Task UpdateIAmAliveAsync(SiloAddress silo, DateTimeOffset time, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "UPDATE u2pl_membership SET i_am_alive = @t WHERE cluster_id = @c AND silo = @s");
        command.Parameters.AddWithValue("t", NpgsqlDbType.TimestampTz, time.UtcDateTime);
        command.Parameters.AddWithValue("c", _clusterId);
        command.Parameters.AddWithValue("s", silo.ToString());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT silo, epoch FROM u2pl_grain_directory WHERE cluster_id = @c AND grain_id = @g");
        command.Parameters.AddWithValue("c", _clusterId);
        command.Parameters.AddWithValue("g", grainId.ToString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        return new GrainAddress(grainId, reader.IsDBNull(0) ? null : SiloAddress.Parse(reader.GetString(0)), reader.GetInt64(1));
    }

    /// <inheritdoc />
    public async Task<GrainAddress> RegisterAsync(GrainId grainId, SiloAddress silo, SiloAddress? previous, CancellationToken cancellationToken)
    {
        await using (var command = _dataSource.CreateCommand(
            """
            INSERT INTO u2pl_grain_directory AS d (cluster_id, grain_id, silo, epoch) VALUES (@c, @g, @s, 1)
            ON CONFLICT (cluster_id, grain_id) DO UPDATE SET silo = EXCLUDED.silo, epoch = d.epoch + 1
            WHERE d.silo IS NULL OR d.silo = @prev
            RETURNING epoch
            """))
        {
            command.Parameters.AddWithValue("c", _clusterId);
            command.Parameters.AddWithValue("g", grainId.ToString());
            command.Parameters.AddWithValue("s", silo.ToString());
            command.Parameters.AddWithValue("prev", NpgsqlDbType.Text, (object?)previous?.ToString() ?? DBNull.Value);
            var epoch = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (epoch is long e) return new GrainAddress(grainId, silo, e);
        }
        return await LookupAsync(grainId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Directory entry of {grainId} vanished.");
    }

    /// <inheritdoc />
    public async Task UnregisterAsync(GrainId grainId, SiloAddress silo, long epoch, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "UPDATE u2pl_grain_directory SET silo = NULL WHERE cluster_id = @c AND grain_id = @g AND silo = @s AND epoch = @e");
        command.Parameters.AddWithValue("c", _clusterId);
        command.Parameters.AddWithValue("g", grainId.ToString());
        command.Parameters.AddWithValue("s", silo.ToString());
        command.Parameters.AddWithValue("e", epoch);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<byte[]?> ReadAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT data FROM u2pl_grain_state WHERE cluster_id = @c AND grain_id = @g");
        command.Parameters.AddWithValue("c", _clusterId);
        command.Parameters.AddWithValue("g", grainId.ToString());
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    /// <inheritdoc />
    public async Task WriteAsync(GrainId grainId, long epoch, ReadOnlyMemory<byte> state, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Lock the directory row: a concurrent registration (epoch + 1) waits until this write commits, or wins first.
        await using (var check = new NpgsqlCommand(
            "SELECT epoch FROM u2pl_grain_directory WHERE cluster_id = @c AND grain_id = @g FOR SHARE", connection, tx))
        {
            check.Parameters.AddWithValue("c", _clusterId);
            check.Parameters.AddWithValue("g", grainId.ToString());
            if (await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long current || current != epoch)
                throw new StaleActivationException(grainId, epoch);
        }
        await using (var write = new NpgsqlCommand(
            """
            INSERT INTO u2pl_grain_state(cluster_id, grain_id, epoch, data) VALUES (@c, @g, @e, @d)
            ON CONFLICT (cluster_id, grain_id) DO UPDATE SET epoch = EXCLUDED.epoch, data = EXCLUDED.data
            """, connection, tx))
        {
            write.Parameters.AddWithValue("c", _clusterId);
            write.Parameters.AddWithValue("g", grainId.ToString());
            write.Parameters.AddWithValue("e", epoch);
            write.Parameters.AddWithValue("d", state.ToArray());
            await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
