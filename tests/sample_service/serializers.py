from rest_framework import serializers

from natjoub.api import fields


class NoteInput(fields.InputSerializer):
    title = fields.Text(max_length=100)
    body = fields.Text(max_length=2000, allow_blank=True, required=False)


class NoteUpdateInput(fields.InputSerializer):
    title = fields.Text(max_length=100, required=False)
    body = fields.Text(max_length=2000, allow_blank=True, required=False)


class NoteOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    owner_id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
