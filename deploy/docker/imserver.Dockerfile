# syntax=docker/dockerfile:1
# ImServer relay node (+ imctl for the preStop drain and incident work). Build from the repository root:
#   docker build -f deploy/docker/imserver.Dockerfile -t retroim/imserver:dev .

# ---- build: restore on the project files alone so a code change reuses the restore layer ----------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY ImServer/RetroIm.Redis/RetroIm.Redis.csproj ImServer/RetroIm.Redis/
COPY ImServer/RetroIm.Im/RetroIm.Im.csproj ImServer/RetroIm.Im/
COPY ImServer/RetroIm.Relay/RetroIm.Relay.csproj ImServer/RetroIm.Relay/
COPY ImServer/RetroIm.ImServer/RetroIm.ImServer.csproj ImServer/RetroIm.ImServer/
COPY ImServer/RetroIm.ImCtl/RetroIm.ImCtl.csproj ImServer/RetroIm.ImCtl/
RUN dotnet restore ImServer/RetroIm.ImServer/RetroIm.ImServer.csproj \
 && dotnet restore ImServer/RetroIm.ImCtl/RetroIm.ImCtl.csproj
COPY ImServer/ ImServer/
RUN dotnet publish ImServer/RetroIm.ImServer/RetroIm.ImServer.csproj -c Release --no-restore -o /out/imserver -p:UseAppHost=false \
 && dotnet publish ImServer/RetroIm.ImCtl/RetroIm.ImCtl.csproj -c Release --no-restore -o /out/imctl -p:UseAppHost=false

# ---- runtime: ASP.NET Core runtime only, non-root ------------------------------------------------------------------
# Not the chiseled image: the Kubernetes preStop hook runs `sh -c 'imctl drain "$POD_NAME"; sleep …'`.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /out/imserver/ ./
COPY --from=build /out/imctl/ ./imctl/
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_gcServer=0
EXPOSE 8080
# The "app" user (uid 1654) the .NET images ship.
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/RetroIm.ImServer.dll"]
