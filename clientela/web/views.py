from django.http import HttpResponse


def home(request):  # placeholder replaced below
    return HttpResponse("")


def set_language(request):
    return HttpResponse("")
