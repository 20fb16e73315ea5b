namespace U2PL.Checkpoints;

/// <summary>
/// A checkpoint store operation failed. An <see cref="IOException"/>, so that the CLI reports it as one clear line;
/// the message always names the store's location and the object.
/// </summary>
public class CheckpointStoreException(string message, Exception? innerException = null) : IOException(message, innerException);

/// <summary>A write condition (ETag) did not hold: someone else wrote the object since it was read.</summary>
public sealed class CheckpointConflictException(string message, Exception? innerException = null) : CheckpointStoreException(message, innerException);

/// <summary>The object (or its container) does not exist.</summary>
public sealed class CheckpointNotFoundException(string message, Exception? innerException = null) : CheckpointStoreException(message, innerException);

/// <summary>Stored bytes do not match the checksums recorded when they were written.</summary>
public sealed class CheckpointCorruptException(string message) : CheckpointStoreException(message);
