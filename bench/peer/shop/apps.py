from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "bench.peer.shop"
    label = "shop"
