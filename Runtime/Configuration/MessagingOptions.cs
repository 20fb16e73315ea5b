namespace U2PL.Runtime.Configuration;

/// <summary>Transport and call settings.</summary>
public sealed class MessagingOptions
{
    /// <summary>Default per-call deadline. Default 30 s; a method can override with [ResponseTimeout].</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages larger than this travel as several frames (chunks). Default 1 MiB.</summary>
    public int ChunkSize { get; set; } = 1 << 20;

    /// <summary>
    /// Size of the buffers a silo's Kestrel listeners receive into (one receive call fills at most one). Default
    /// 256 KiB; Kestrel's own default, 4 KiB, makes large payloads cost one system call per 4 KiB.
    /// </summary>
    public int ReceiveBlockSize { get; set; } = 256 * 1024;

    /// <summary>Largest frame accepted; larger ones close the connection and are counted. Default 4 MiB.</summary>
    public int MaxFrameSize { get; set; } = 4 << 20;

    /// <summary>Largest message (all its chunks) accepted. Default 1 GiB.</summary>
    public long MaxMessageSize { get; set; } = 1L << 30;

    /// <summary>Time a new connection has to complete authentication. Default 5 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time to open an outbound connection. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries of a call whose target silo is unavailable (with exponential backoff and jitter). Default 12.</summary>
    public int MaxRetries { get; set; } = 12;

    /// <summary>First retry delay; doubles per retry up to 2 s. Default 100 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);
}
