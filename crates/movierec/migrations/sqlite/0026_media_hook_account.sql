-- The media-server account whose events a user takes (Jellyfin's and Emby's webhooks carry
-- every user of the server, Plex's the owner's shared users too); NULL takes every account.
ALTER TABLE media_hooks ADD COLUMN account TEXT;
