//! Tracks (time entries); a running timer is a track without an end.
