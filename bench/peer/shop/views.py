from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from rest_framework import generics, mixins, serializers, viewsets

from bench.peer.shop.filters import ItemFilter
from bench.peer.shop.models import Item, Movement, StockLevel
from bench.peer.shop.serializers import ItemSerializer, MovementSerializer, ProfileSerializer


class ProfileView(generics.RetrieveAPIView):
    serializer_class = ProfileSerializer

    def get_object(self):
        return self.request.user


class ItemViewSet(viewsets.ModelViewSet):
    serializer_class = ItemSerializer
    filterset_class = ItemFilter

    def get_queryset(self):
        # total stock per item as a correlated subquery: evaluated for the rows of the page only
        totals = (
            StockLevel.objects.filter(item=OuterRef("pk")).order_by().values("item").annotate(total=Sum("quantity"))
        )
        return Item.objects.annotate(
            total_stock=Coalesce(Subquery(totals.values("total"), output_field=IntegerField()), 0)
        )


class MovementViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MovementSerializer
    queryset = Movement.objects.order_by("-created_at")

    def perform_create(self, serializer):
        data = serializer.validated_data
        with transaction.atomic():
            if data["movement_type"] == Movement.Type.IN:
                level, _ = StockLevel.objects.select_for_update().get_or_create(
                    item=data["item"], branch=data["to_branch"]
                )
                StockLevel.objects.filter(pk=level.pk).update(quantity=F("quantity") + data["quantity"])
            else:
                level = (
                    StockLevel.objects.select_for_update().filter(item=data["item"], branch=data["from_branch"]).first()
                )
                if level is None or level.quantity - level.reserved_quantity < data["quantity"]:
                    raise serializers.ValidationError({"quantity": "Not enough stock at the source branch."})
                StockLevel.objects.filter(pk=level.pk).update(quantity=F("quantity") - data["quantity"])
            serializer.save(performed_by=self.request.user)
