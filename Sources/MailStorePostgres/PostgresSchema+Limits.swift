extension PostgresSchema {
    /// The login throttle and the SMTP rate limits shared by every node (docs/scaling.md "Login
    /// throttle and rate limits across nodes"). No SQLite counterpart: one node keeps them in the
    /// process. Each check is one statement calling one of these functions, so it costs one round
    /// trip and runs atomically under row locks (rows locked in key order: no deadlock between
    /// two logins). Times are the nodes' clocks in seconds since 1970, like the leases.
    static let v11: [String] = [
        // A count per key (`c:` address, `a:` account): settled failures, attempts in flight, the
        // last attempt, the lock's end; `generation` changes when a stale entry starts again, so
        // an old reservation never touches the new one (AuthThrottle.Reservation).
        """
        CREATE TABLE IF NOT EXISTS auth_throttle (
            throttle_key TEXT PRIMARY KEY, settled INTEGER NOT NULL, in_flight INTEGER NOT NULL,
            last_attempt DOUBLE PRECISION NOT NULL, locked_until DOUBLE PRECISION, generation BIGINT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS auth_throttle_last_attempt ON auth_throttle(last_attempt)",
        "CREATE SEQUENCE IF NOT EXISTS auth_throttle_generation",
        """
        CREATE TABLE IF NOT EXISTS auth_known_clients (
            client TEXT NOT NULL, account TEXT NOT NULL, known_until DOUBLE PRECISION NOT NULL, PRIMARY KEY (client, account))
        """,
        // Sliding-window counts (the current fixed window and the previous one, RateLimiter).
        """
        CREATE TABLE IF NOT EXISTS rate_counters (
            scope TEXT NOT NULL, counter_key TEXT NOT NULL, window_start DOUBLE PRECISION NOT NULL,
            current_count INTEGER NOT NULL, previous_count INTEGER NOT NULL, expires_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (scope, counter_key))
        """,
        "CREATE INDEX IF NOT EXISTS rate_counters_expiry ON rate_counters(expires_at)",
        // The keys an attempt counts against, sorted: the account's unless the address logged in
        // to it within known_client_duration, and always the address's.
        """
        CREATE OR REPLACE FUNCTION hato_auth_keys(p_client TEXT, p_account TEXT, p_now DOUBLE PRECISION) RETURNS TEXT[]
        LANGUAGE sql STABLE AS $$
            SELECT CASE WHEN p_account IS NULL OR EXISTS (
                SELECT 1 FROM auth_known_clients WHERE client = p_client AND account = p_account AND known_until > p_now)
            THEN ARRAY['c:' || p_client] ELSE ARRAY['a:' || p_account, 'c:' || p_client] END
        $$
        """,
        // AuthThrottle.check: the longest time left on a lock among the keys, and the largest count.
        """
        CREATE OR REPLACE FUNCTION hato_auth_check(p_client TEXT, p_account TEXT, p_now DOUBLE PRECISION, p_lockout BIGINT,
            p_lockout_seconds DOUBLE PRECISION, p_forget DOUBLE PRECISION)
        RETURNS TABLE (retry_after DOUBLE PRECISION, max_count INTEGER) LANGUAGE sql STABLE AS $$
            SELECT MAX(CASE WHEN t.locked_until IS NOT NULL THEN t.locked_until - p_now
                            WHEN t.settled + t.in_flight >= p_lockout THEN p_lockout_seconds END),
                   COALESCE(MAX(t.settled + t.in_flight), 0)
            FROM auth_throttle t
            WHERE t.throttle_key = ANY(hato_auth_keys(p_client, p_account, p_now))
              AND ((t.locked_until IS NOT NULL AND p_now < t.locked_until) OR (t.locked_until IS NULL AND p_now - t.last_attempt < p_forget))
        $$
        """,
        // Drops ended locks, faded counts and expired known-good pairs; then, above p_max rows,
        // the stalest unlocked counts down to 90 % (the in-process bound, maximumTrackedKeys).
        """
        CREATE OR REPLACE FUNCTION hato_auth_prune(p_now DOUBLE PRECISION, p_forget DOUBLE PRECISION, p_max BIGINT) RETURNS VOID
        LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM auth_throttle
             WHERE (locked_until IS NOT NULL AND locked_until <= p_now) OR (locked_until IS NULL AND p_now - last_attempt >= p_forget);
            DELETE FROM auth_known_clients WHERE known_until <= p_now;
            IF (SELECT count(*) FROM auth_throttle) > p_max THEN
                DELETE FROM auth_throttle WHERE throttle_key IN (
                    SELECT throttle_key FROM auth_throttle WHERE locked_until IS NULL ORDER BY last_attempt
                    LIMIT GREATEST(0, (SELECT count(*) FROM auth_throttle) - p_max * 9 / 10));
            END IF;
            IF (SELECT count(*) FROM auth_known_clients) > p_max THEN
                DELETE FROM auth_known_clients WHERE (client, account) IN (
                    SELECT client, account FROM auth_known_clients ORDER BY known_until
                    LIMIT GREATEST(0, (SELECT count(*) FROM auth_known_clients) - p_max * 9 / 10));
            END IF;
        END
        $$
        """,
        // AuthThrottle.begin: with every key's row locked, refuse when one is locked (or full),
        // else count the attempt in flight on each key, locking a key that reaches p_lockout.
        // Returns one row per key counted (its count and generation), or one row with retry_after.
        """
        CREATE OR REPLACE FUNCTION hato_auth_begin(p_client TEXT, p_account TEXT, p_now DOUBLE PRECISION, p_lockout BIGINT,
            p_lockout_seconds DOUBLE PRECISION, p_forget DOUBLE PRECISION, p_prune BOOLEAN, p_max BIGINT)
        RETURNS TABLE (counted_key TEXT, counted INTEGER, counted_generation BIGINT, retry_after DOUBLE PRECISION)
        LANGUAGE plpgsql AS $$
        DECLARE
            wanted TEXT[];
            r RECORD;
            retry DOUBLE PRECISION := NULL;
        BEGIN
            IF p_prune THEN PERFORM hato_auth_prune(p_now, p_forget, p_max); END IF;
            wanted := hato_auth_keys(p_client, p_account, p_now);
            INSERT INTO auth_throttle (throttle_key, settled, in_flight, last_attempt, locked_until, generation)
                SELECT k, 0, 0, p_now, NULL, nextval('auth_throttle_generation') FROM unnest(wanted) AS k ORDER BY k
                ON CONFLICT (throttle_key) DO NOTHING;
            FOR r IN SELECT * FROM auth_throttle t WHERE t.throttle_key = ANY(wanted) ORDER BY t.throttle_key FOR UPDATE LOOP
                IF NOT ((r.locked_until IS NOT NULL AND p_now < r.locked_until)
                        OR (r.locked_until IS NULL AND p_now - r.last_attempt < p_forget)) THEN
                    UPDATE auth_throttle SET settled = 0, in_flight = 0, last_attempt = p_now, locked_until = NULL,
                        generation = nextval('auth_throttle_generation') WHERE throttle_key = r.throttle_key;
                ELSIF r.locked_until IS NOT NULL THEN
                    retry := GREATEST(COALESCE(retry, 0), r.locked_until - p_now);
                ELSIF r.settled + r.in_flight >= p_lockout THEN
                    retry := GREATEST(COALESCE(retry, 0), p_lockout_seconds);
                END IF;
            END LOOP;
            IF retry IS NOT NULL THEN
                RETURN QUERY SELECT NULL::TEXT, 0, 0::BIGINT, retry;
                RETURN;
            END IF;
            RETURN QUERY UPDATE auth_throttle t SET in_flight = t.in_flight + 1, last_attempt = p_now,
                    locked_until = CASE WHEN t.settled + t.in_flight + 1 >= p_lockout AND t.locked_until IS NULL
                                        THEN p_now + p_lockout_seconds ELSE t.locked_until END
                WHERE t.throttle_key = ANY(wanted)
                RETURNING t.throttle_key, t.settled + t.in_flight, t.generation, NULL::DOUBLE PRECISION;
        END
        $$
        """,
        // AuthThrottle.settle: p_outcome 0 failed credential check (stays counted), 1 success
        // (clears the address's count, remembers the pair), 2 no check (released).
        """
        CREATE OR REPLACE FUNCTION hato_auth_settle(p_keys TEXT[], p_generations BIGINT[], p_outcome BIGINT, p_client TEXT,
            p_account TEXT, p_now DOUBLE PRECISION, p_lockout BIGINT, p_forget DOUBLE PRECISION, p_known_until DOUBLE PRECISION)
        RETURNS VOID LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE auth_throttle t SET
                in_flight = GREATEST(0, t.in_flight - 1),
                settled = CASE WHEN p_outcome = 0 THEN t.settled + 1
                               WHEN p_outcome = 1 AND t.throttle_key LIKE 'c:%' THEN 0 ELSE t.settled END,
                locked_until = CASE WHEN (CASE WHEN p_outcome = 0 THEN t.settled + 1
                                               WHEN p_outcome = 1 AND t.throttle_key LIKE 'c:%' THEN 0 ELSE t.settled END)
                                         + GREATEST(0, t.in_flight - 1) < p_lockout THEN NULL ELSE t.locked_until END
              FROM unnest(p_keys, p_generations) AS s(k, g)
             WHERE t.throttle_key = s.k AND t.generation = s.g
               AND ((t.locked_until IS NOT NULL AND p_now < t.locked_until) OR (t.locked_until IS NULL AND p_now - t.last_attempt < p_forget));
            DELETE FROM auth_throttle WHERE throttle_key = ANY(p_keys) AND settled + in_flight = 0 AND locked_until IS NULL;
            IF p_outcome = 1 THEN
                INSERT INTO auth_known_clients (client, account, known_until) VALUES (p_client, p_account, p_known_until)
                ON CONFLICT (client, account) DO UPDATE SET known_until = EXCLUDED.known_until;
            END IF;
        END
        $$
        """,
        // RateLimiter.admit over a shared row: roll the windows, estimate the sliding count, count
        // the event unless it would pass p_limit. Pruning (expired rows, then the oldest above
        // p_max) rides along when the node asks for it.
        """
        CREATE OR REPLACE FUNCTION hato_rate_admit(p_scope TEXT, p_key TEXT, p_limit BIGINT, p_cost BIGINT,
            p_window DOUBLE PRECISION, p_now DOUBLE PRECISION, p_prune BOOLEAN, p_max BIGINT)
        RETURNS BOOLEAN LANGUAGE plpgsql AS $$
        DECLARE
            r RECORD;
            w_start DOUBLE PRECISION;
            cur INTEGER;
            prev INTEGER;
            admitted BOOLEAN;
        BEGIN
            IF p_prune THEN
                DELETE FROM rate_counters WHERE expires_at <= p_now;
                IF (SELECT count(*) FROM rate_counters) > p_max THEN
                    DELETE FROM rate_counters WHERE (scope, counter_key) IN (
                        SELECT scope, counter_key FROM rate_counters ORDER BY window_start
                        LIMIT GREATEST(0, (SELECT count(*) FROM rate_counters) - p_max * 9 / 10));
                END IF;
            END IF;
            SELECT * INTO r FROM rate_counters c WHERE c.scope = p_scope AND c.counter_key = p_key FOR UPDATE;
            IF NOT FOUND THEN
                INSERT INTO rate_counters (scope, counter_key, window_start, current_count, previous_count, expires_at)
                    VALUES (p_scope, p_key, p_now, 0, 0, p_now + 2 * p_window) ON CONFLICT DO NOTHING;
                SELECT * INTO r FROM rate_counters c WHERE c.scope = p_scope AND c.counter_key = p_key FOR UPDATE;
            END IF;
            IF p_now - r.window_start >= 2 * p_window THEN
                w_start := p_now; cur := 0; prev := 0;
            ELSIF p_now - r.window_start >= p_window THEN
                w_start := r.window_start + p_window; cur := 0; prev := r.current_count;
            ELSE
                w_start := r.window_start; cur := r.current_count; prev := r.previous_count;
            END IF;
            admitted := cur + prev * (1 - GREATEST(0, LEAST(1, (p_now - w_start) / p_window))) + p_cost <= p_limit;
            IF admitted THEN cur := cur + p_cost; END IF;
            UPDATE rate_counters SET window_start = w_start, current_count = cur, previous_count = prev, expires_at = w_start + 2 * p_window
             WHERE scope = p_scope AND counter_key = p_key;
            RETURN admitted;
        END
        $$
        """,
    ]
}
