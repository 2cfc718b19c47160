from django.contrib.auth import get_user_model
from rest_framework import serializers

from bench.peer.shop.models import Branch, Item, Movement


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "first_name", "last_name", "is_active", "is_staff", "date_joined",
                  "last_login"]  # fmt: skip


class ItemSerializer(serializers.ModelSerializer):
    total_stock = serializers.IntegerField(read_only=True)

    class Meta:
        model = Item
        fields = ["id", "sku", "name", "description", "unit_of_measure", "unit_price", "reorder_level",
                  "reorder_quantity", "barcode", "is_active", "created_at", "updated_at", "total_stock"]  # fmt: skip


class MovementSerializer(serializers.ModelSerializer):
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    from_branch = serializers.PrimaryKeyRelatedField(queryset=Branch.objects.all(), required=False, allow_null=True)
    to_branch = serializers.PrimaryKeyRelatedField(queryset=Branch.objects.all(), required=False, allow_null=True)
    quantity = serializers.IntegerField(min_value=1)

    class Meta:
        model = Movement
        fields = ["id", "item", "from_branch", "to_branch", "movement_type", "quantity", "notes", "performed_by",
                  "created_at"]  # fmt: skip
        read_only_fields = ["id", "performed_by", "created_at"]

    def validate(self, attrs):
        if attrs["movement_type"] == Movement.Type.IN and not attrs.get("to_branch"):
            raise serializers.ValidationError({"to_branch": "An IN movement needs a destination branch."})
        if attrs["movement_type"] == Movement.Type.OUT and not attrs.get("from_branch"):
            raise serializers.ValidationError({"from_branch": "An OUT movement needs a source branch."})
        return attrs
