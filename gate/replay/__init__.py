"""Replay: bring deferred events back to their function, each exactly once in the normal case.

Used by the operator CLI (``python -m gate replay``) and by the replayer function
(``gate.replay.handler.handler``). It needs boto3 and the gate's own modules only, because
it ships in the layer.

A record moves ``pending -> replaying -> replayed | failed`` by conditional writes. The
``replaying`` state carries a lease (owner, expiry): only the owner may finish it, and
another replayer may take it over only once the lease has expired. So two replayers
never invoke one record at the same time, and at most the records in flight when a
replayer dies can be delivered twice.
"""
