-- Times are Unix milliseconds (UTC). Ids are short opaque strings, except activity (a paging cursor).
CREATE TABLE retros (
    id          TEXT    NOT NULL PRIMARY KEY,
    title       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE participants (
    id          TEXT    NOT NULL PRIMARY KEY,
    retro_id    TEXT    NOT NULL REFERENCES retros(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    token_hash  BLOB    NOT NULL UNIQUE,
    joined_at   INTEGER NOT NULL
);
CREATE INDEX ix_participants_retro ON participants(retro_id);

CREATE TABLE topics (
    id          TEXT    NOT NULL PRIMARY KEY,
    retro_id    TEXT    NOT NULL REFERENCES retros(id) ON DELETE CASCADE,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL CHECK (status IN ('upcoming', 'current', 'done')),
    votes       INTEGER NOT NULL DEFAULT 0,
    created_by  TEXT    NOT NULL REFERENCES participants(id),
    created_at  INTEGER NOT NULL,
    started_at  INTEGER NULL,
    done_at     INTEGER NULL,
    ordinal     INTEGER NOT NULL
);
CREATE INDEX ix_topics_retro ON topics(retro_id, status);
-- The last line of defence for "at most one current topic per retro", whatever the code above it does.
CREATE UNIQUE INDEX ux_topics_one_current ON topics(retro_id) WHERE status = 'current';

CREATE TABLE votes (
    participant_id TEXT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    topic_id       TEXT NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    PRIMARY KEY (participant_id, topic_id)
);
CREATE INDEX ix_votes_topic ON votes(topic_id);

CREATE TABLE activity (
    id        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    retro_id  TEXT    NOT NULL REFERENCES retros(id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    actor_id  TEXT    NULL,
    type      TEXT    NOT NULL,
    text      TEXT    NOT NULL,
    topic_id  TEXT    NULL
);
CREATE INDEX ix_activity_retro ON activity(retro_id, id);
CREATE INDEX ix_activity_at ON activity(at);
