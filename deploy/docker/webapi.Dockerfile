# syntax=docker/dockerfile:1
# The retro WebApi (serves the page at / and the JS SDK at /sdk/). Build from the repository root:
#   docker build -f deploy/docker/webapi.Dockerfile -t retroim/webapi:dev .

# ---- build ---------------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY ImServer/RetroIm.Redis/RetroIm.Redis.csproj ImServer/RetroIm.Redis/
COPY ImServer/RetroIm.Im/RetroIm.Im.csproj ImServer/RetroIm.Im/
COPY ImServer/RetroIm.Relay/RetroIm.Relay.csproj ImServer/RetroIm.Relay/
COPY WebApi/RetroIm.WebApi/RetroIm.WebApi.csproj WebApi/RetroIm.WebApi/
RUN dotnet restore WebApi/RetroIm.WebApi/RetroIm.WebApi.csproj
COPY ImServer/ ImServer/
COPY WebApi/ WebApi/
# The build links Clients/web and Clients/js into wwwroot/.
COPY Clients/web/ Clients/web/
COPY Clients/js/ Clients/js/
RUN dotnet publish WebApi/RetroIm.WebApi/RetroIm.WebApi.csproj -c Release --no-restore -o /out/webapi -p:UseAppHost=false \
 && mkdir -p /out/data

# ---- runtime: chiseled (no shell, no package manager), non-root ------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /out/webapi/ ./
# SQLite database and log files: data/ under the content root, owned by the app user (mount a volume here).
COPY --from=build --chown=1654:1654 /out/data/ ./data/
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
VOLUME ["/app/data"]
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/RetroIm.WebApi.dll"]
