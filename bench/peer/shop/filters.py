import django_filters

from bench.peer.shop.models import Item


class ItemFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    sku = django_filters.CharFilter()

    class Meta:
        model = Item
        fields = ["sku", "name", "is_active"]
